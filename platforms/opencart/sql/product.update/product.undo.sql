UPDATE {prefix}product
SET price = :old_price, quantity = :old_quantity, status = :old_status,
    date_modified = :old_date_modified
WHERE product_id = :id
