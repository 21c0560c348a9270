-- A variant follows its master product except for the fields its
-- `override` JSON names (e.g. {"price":"1"}), as the admin's variant edit does.
UPDATE {prefix}product
SET price = CASE WHEN :price IS NULL OR `override` LIKE '%"price"%' THEN price ELSE :price END,
    quantity = CASE WHEN :quantity IS NULL OR `override` LIKE '%"quantity"%' THEN quantity ELSE :quantity END,
    status = CASE WHEN :status IS NULL OR `override` LIKE '%"status"%' THEN status ELSE :status END,
    date_modified = :now
WHERE master_id = :id
