-- The product, or the combination (1000000000 + id_product_attribute).
SELECT p.id_product AS id_product, p.price AS price, p.active AS active, p.date_upd AS date_upd
FROM {prefix}product p
WHERE :id < 1000000000 AND p.id_product = :id
UNION ALL
SELECT pa.id_product, pa.price, NULL, NULL
FROM {prefix}product_attribute pa
WHERE :id > 1000000000 AND pa.id_product_attribute = :id - 1000000000
