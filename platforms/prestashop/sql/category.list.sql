-- Categories below the shop's Home: PrestaShop's Root (id_parent 0) and
-- each shop's Home (is_root_category) are the tree's scaffolding, not
-- categories a shop owner made, so they are left out and their children
-- are the top-level categories (parent_id null). Texts are the shop's
-- (store_id; 0 or none: PS_SHOP_DEFAULT) category_lang row.
SELECT c.id_category AS id,
       CASE WHEN pc.id_parent = 0 OR pc.is_root_category = 1 THEN NULL ELSE c.id_parent END AS parent_id,
       cl.name AS name,
       cl.description AS description,
       NULL AS image,
       c.position AS sort_order,
       c.active AS status,
       c.date_add AS created_at,
       c.date_upd AS modified_at
FROM {prefix}category c
JOIN {prefix}category_shop cs
  ON cs.id_category = c.id_category
 AND cs.id_shop = COALESCE(NULLIF(:store_id, 0),
       (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
         WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL LIMIT 1))
LEFT JOIN {prefix}category pc ON pc.id_category = c.id_parent
LEFT JOIN {prefix}category_lang cl
       ON cl.id_category = c.id_category AND cl.id_shop = cs.id_shop AND cl.id_lang = :lang_id
WHERE c.id_category > :after AND c.id_category <= :until
  AND c.id_parent > 0 AND c.is_root_category = 0
  AND (:ids_count = 0 OR c.id_category IN (:ids))
  AND (:parent_id IS NULL
       OR (:parent_id = 0 AND (pc.id_parent = 0 OR pc.is_root_category = 1))
       OR c.id_parent = :parent_id)
  AND (:status IS NULL OR c.active = :status)
  AND (:created_from IS NULL OR c.date_add >= :created_from)
  AND (:created_to IS NULL OR c.date_add <= :created_to)
  AND (:modified_from IS NULL OR c.date_upd >= :modified_from)
  AND (:modified_to IS NULL OR c.date_upd <= :modified_to)
ORDER BY c.id_category
LIMIT :limit OFFSET :offset
