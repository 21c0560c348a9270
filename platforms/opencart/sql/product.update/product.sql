UPDATE {prefix}product
SET price = COALESCE(:price, price),
    quantity = COALESCE(:quantity, quantity),
    status = COALESCE(:status, status),
    date_modified = :now
WHERE product_id = :id
