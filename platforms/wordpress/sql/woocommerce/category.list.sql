-- Product categories: terms of the taxonomy product_cat; the position is
-- WooCommerce's termmeta `order`, the image its `thumbnail_id` attachment.
-- WordPress keeps no dates and no status for terms.
SELECT t.term_id AS id,
       NULLIF(tt.parent, 0) AS parent_id,
       t.name AS name,
       tt.description AS description,
       (SELECT f.meta_value FROM {prefix}termmeta th
          JOIN {prefix}postmeta f ON f.post_id = th.meta_value AND f.meta_key = '_wp_attached_file'
         WHERE th.term_id = t.term_id AND th.meta_key = 'thumbnail_id' LIMIT 1) AS image,
       COALESCE((SELECT CAST(o.meta_value AS SIGNED) FROM {prefix}termmeta o
                  WHERE o.term_id = t.term_id AND o.meta_key = 'order' LIMIT 1), 0) AS sort_order,
       1 AS status,
       NULL AS created_at,
       NULL AS modified_at
FROM {prefix}terms t
JOIN {prefix}term_taxonomy tt ON tt.term_id = t.term_id AND tt.taxonomy = 'product_cat'
WHERE t.term_id > :after AND t.term_id <= :until
  AND (:ids_count = 0 OR t.term_id IN (:ids))
  AND (:parent_id IS NULL OR tt.parent = :parent_id)
  AND (:status IS NULL OR :status = 1)
  AND (:created_from IS NULL OR 1 = 0)
  AND (:created_to IS NULL OR 1 = 0)
  AND (:modified_from IS NULL OR 1 = 0)
  AND (:modified_to IS NULL OR 1 = 0)
  AND (:store_id IS NULL OR :store_id = 0)
ORDER BY t.term_id
LIMIT :limit OFFSET :offset
