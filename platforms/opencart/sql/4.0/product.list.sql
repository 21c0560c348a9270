-- OpenCart 4.0+: variants point at their master product (master_id).
-- Products in id order: keyset paging on the primary key (:after, :until),
-- :ids expands to the ids asked for, :lang_id picks the description.
SELECT p.product_id AS id,
       NULLIF(p.sku, '') AS sku,
       p.model AS model,
       pd.name AS name,
       pd.description AS description,
       p.price AS price,
       p.quantity AS quantity,
       p.status AS status,
       p.manufacturer_id AS manufacturer_id,
       NULLIF(p.image, '') AS image,
       p.weight AS weight,
       p.master_id AS variant_of,
       (SELECT GROUP_CONCAT(pc.category_id) FROM {prefix}product_to_category pc
         WHERE pc.product_id = p.product_id) AS categories_ids,
       (SELECT GROUP_CONCAT(ps.store_id) FROM {prefix}product_to_store ps
         WHERE ps.product_id = p.product_id) AS stores_ids,
       p.date_added AS created_at,
       p.date_modified AS modified_at
FROM {prefix}product p
LEFT JOIN {prefix}product_description pd
       ON pd.product_id = p.product_id AND pd.language_id = :lang_id
WHERE p.product_id > :after AND p.product_id <= :until
  AND (:ids_count = 0 OR p.product_id IN (:ids))
  AND (:status IS NULL OR p.status = :status)
  AND (:sku IS NULL OR p.sku = :sku)
  AND (:name IS NULL OR pd.name LIKE :name ESCAPE '!' OR pd.name LIKE :name_escaped ESCAPE '!')
  AND (:created_from IS NULL OR p.date_added >= :created_from)
  AND (:created_to IS NULL OR p.date_added <= :created_to)
  AND (:modified_from IS NULL OR p.date_modified >= :modified_from)
  AND (:modified_to IS NULL OR p.date_modified <= :modified_to)
  AND (:store_id IS NULL OR EXISTS (SELECT 1 FROM {prefix}product_to_store ps
                                     WHERE ps.product_id = p.product_id AND ps.store_id = :store_id))
ORDER BY p.product_id
LIMIT :limit OFFSET :offset
