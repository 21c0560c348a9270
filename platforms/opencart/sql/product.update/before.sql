SELECT p.price AS price, p.quantity AS quantity, p.status AS status,
       p.date_modified AS date_modified
FROM {prefix}product p
WHERE p.product_id = :id
