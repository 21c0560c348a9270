-- A variant follows its master product except for the fields its
-- `override` JSON names (e.g. {"price":"1"}), as the admin's variant edit does.
-- Its quantity is its own: OpenCart never copies the master's stock to a
-- variant (editVariants keeps the variant's quantity, and the variant form
-- has no quantity override).
UPDATE {prefix}product
SET price = CASE WHEN :price IS NULL OR `override` LIKE '%"price"%' THEN price ELSE :price END,
    status = CASE WHEN :status IS NULL OR `override` LIKE '%"status"%' THEN status ELSE :status END,
    date_modified = :now
WHERE master_id = :id
