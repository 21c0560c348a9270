-- A store is a PrestaShop shop (id_shop); 0 names the default shop
-- (PS_SHOP_DEFAULT), which every method reads when no store_id is given.
SELECT s.id_shop FROM {prefix}shop s WHERE s.id_shop = :id AND s.deleted = 0
UNION ALL
SELECT 0 FROM {prefix}configuration c
WHERE :id = 0 AND c.name = 'PS_SHOP_DEFAULT' AND c.id_shop IS NULL AND c.id_shop_group IS NULL
