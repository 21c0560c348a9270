SELECT COUNT(*) AS count
FROM {prefix}customer c
WHERE c.deleted = 0
  AND (:status IS NULL OR c.active = :status)
  AND (:created_from IS NULL OR c.date_add >= :created_from)
  AND (:created_to IS NULL OR c.date_add <= :created_to)
  AND (:store_id IS NULL OR c.id_shop = COALESCE(NULLIF(:store_id, 0),
         (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
           WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL LIMIT 1)))
