-- As category.list: the roots (level 0 and 1) are not counted.
SELECT COUNT(*) AS count
FROM {prefix}catalog_category_entity c
JOIN {prefix}eav_entity_type et ON et.entity_type_code = 'catalog_category'
LEFT JOIN {prefix}eav_attribute a_active
       ON a_active.entity_type_id = et.entity_type_id AND a_active.attribute_code = 'is_active'
WHERE c.level >= 2
  AND (:parent_id IS NULL OR (CASE WHEN c.level <= 2 THEN 0 ELSE c.parent_id END) = :parent_id)
  AND (:status IS NULL
       OR (CASE WHEN (SELECT v.value FROM {prefix}catalog_category_entity_int v
                       WHERE v.entity_id = c.entity_id AND v.attribute_id = a_active.attribute_id
                         AND v.store_id IN (0, :lang_id) ORDER BY v.store_id DESC LIMIT 1) = 1
                THEN 1 ELSE 0 END) = :status)
  AND (:created_from IS NULL OR c.created_at >= :created_from)
  AND (:created_to IS NULL OR c.created_at <= :created_to)
  AND (:modified_from IS NULL OR c.updated_at >= :modified_from)
  AND (:modified_to IS NULL OR c.updated_at <= :modified_to)
  AND (:store_id IS NULL OR :store_id = 0
       OR EXISTS (SELECT 1 FROM {prefix}store s
                  JOIN {prefix}store_group g ON g.group_id = s.group_id
                  WHERE s.store_id = :store_id
                    AND c.path LIKE CONCAT('1/', g.root_category_id, '/%')))
