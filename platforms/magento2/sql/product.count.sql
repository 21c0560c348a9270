-- As product.list: status is the EAV int value (1 enabled, 2 disabled) of
-- the store view :lang_id, else of store 0 (store 0 only when global).
SELECT COUNT(*) AS count
FROM {prefix}catalog_product_entity p
JOIN {prefix}eav_entity_type et ON et.entity_type_code = 'catalog_product'
LEFT JOIN {prefix}eav_attribute a_status
       ON a_status.entity_type_id = et.entity_type_id AND a_status.attribute_code = 'status'
LEFT JOIN {prefix}catalog_eav_attribute ca_status ON ca_status.attribute_id = a_status.attribute_id
WHERE (:status IS NULL
       OR (CASE WHEN (SELECT v.value FROM {prefix}catalog_product_entity_int v
                       WHERE v.entity_id = p.entity_id AND v.attribute_id = a_status.attribute_id
                         AND v.store_id IN (0, CASE WHEN ca_status.is_global = 1 THEN 0 ELSE :lang_id END)
                       ORDER BY v.store_id DESC LIMIT 1) = 1
                THEN 1 ELSE 0 END) = :status)
  AND (:created_from IS NULL OR p.created_at >= :created_from)
  AND (:created_to IS NULL OR p.created_at <= :created_to)
  AND (:modified_from IS NULL OR p.updated_at >= :modified_from)
  AND (:modified_to IS NULL OR p.updated_at <= :modified_to)
  AND (:store_id IS NULL OR :store_id = 0
       OR EXISTS (SELECT 1 FROM {prefix}catalog_product_website pw
                  JOIN {prefix}store s ON s.website_id = pw.website_id
                  WHERE pw.product_id = p.entity_id AND s.store_id = :store_id))
