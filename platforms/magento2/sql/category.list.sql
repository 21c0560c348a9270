-- Categories in id order, without the tree's root (1) and the store
-- groups' root categories (level 1), as the admin's tree hides them: a
-- category right under a store root is top-level (parent_id 0). Name,
-- description, image and is_active are EAV values (entity type
-- catalog_category), the store view :lang_id's else store 0's. :store_id
-- keeps the categories under that store view's root category.
SELECT x.*
FROM (
  SELECT c.entity_id AS id,
         CASE WHEN c.level <= 2 THEN 0 ELSE c.parent_id END AS parent_id,
         (SELECT v.value FROM {prefix}catalog_category_entity_varchar v
           WHERE v.entity_id = c.entity_id AND v.attribute_id = a_name.attribute_id
             AND v.store_id IN (0, :lang_id) ORDER BY v.store_id DESC LIMIT 1) AS name,
         (SELECT v.value FROM {prefix}catalog_category_entity_text v
           WHERE v.entity_id = c.entity_id AND v.attribute_id = a_description.attribute_id
             AND v.store_id IN (0, :lang_id) ORDER BY v.store_id DESC LIMIT 1) AS description,
         (SELECT NULLIF(v.value, '') FROM {prefix}catalog_category_entity_varchar v
           WHERE v.entity_id = c.entity_id AND v.attribute_id = a_image.attribute_id
             AND v.store_id IN (0, :lang_id) ORDER BY v.store_id DESC LIMIT 1) AS image,
         c.position AS sort_order,
         CASE WHEN (SELECT v.value FROM {prefix}catalog_category_entity_int v
                     WHERE v.entity_id = c.entity_id AND v.attribute_id = a_active.attribute_id
                       AND v.store_id IN (0, :lang_id) ORDER BY v.store_id DESC LIMIT 1) = 1
              THEN 1 ELSE 0 END AS status,
         c.created_at AS created_at,
         c.updated_at AS modified_at
  FROM {prefix}catalog_category_entity c
  JOIN {prefix}eav_entity_type et ON et.entity_type_code = 'catalog_category'
  LEFT JOIN {prefix}eav_attribute a_name
         ON a_name.entity_type_id = et.entity_type_id AND a_name.attribute_code = 'name'
  LEFT JOIN {prefix}eav_attribute a_description
         ON a_description.entity_type_id = et.entity_type_id AND a_description.attribute_code = 'description'
  LEFT JOIN {prefix}eav_attribute a_image
         ON a_image.entity_type_id = et.entity_type_id AND a_image.attribute_code = 'image'
  LEFT JOIN {prefix}eav_attribute a_active
         ON a_active.entity_type_id = et.entity_type_id AND a_active.attribute_code = 'is_active'
  WHERE c.level >= 2
    AND c.entity_id > :after AND c.entity_id <= :until
    AND (:ids_count = 0 OR c.entity_id IN (:ids))
    AND (:created_from IS NULL OR c.created_at >= :created_from)
    AND (:created_to IS NULL OR c.created_at <= :created_to)
    AND (:modified_from IS NULL OR c.updated_at >= :modified_from)
    AND (:modified_to IS NULL OR c.updated_at <= :modified_to)
    AND (:store_id IS NULL OR :store_id = 0
         OR EXISTS (SELECT 1 FROM {prefix}store s
                    JOIN {prefix}store_group g ON g.group_id = s.group_id
                    WHERE s.store_id = :store_id
                      AND c.path LIKE CONCAT('1/', g.root_category_id, '/%')))
) x
WHERE (:parent_id IS NULL OR x.parent_id = :parent_id)
  AND (:status IS NULL OR x.status = :status)
ORDER BY x.id
LIMIT :limit OFFSET :offset
