-- The categories category.list lists (Root and Home left out).
SELECT COUNT(*) AS count
FROM {prefix}category c
JOIN {prefix}category_shop cs
  ON cs.id_category = c.id_category
 AND cs.id_shop = COALESCE(NULLIF(:store_id, 0),
       (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
         WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL LIMIT 1))
LEFT JOIN {prefix}category pc ON pc.id_category = c.id_parent
WHERE c.id_parent > 0 AND c.is_root_category = 0
  AND (:parent_id IS NULL
       OR (:parent_id = 0 AND (pc.id_parent = 0 OR pc.is_root_category = 1))
       OR c.id_parent = :parent_id)
  AND (:status IS NULL OR c.active = :status)
  AND (:created_from IS NULL OR c.date_add >= :created_from)
  AND (:created_to IS NULL OR c.date_add <= :created_to)
  AND (:modified_from IS NULL OR c.date_upd >= :modified_from)
  AND (:modified_to IS NULL OR c.date_upd <= :modified_to)
