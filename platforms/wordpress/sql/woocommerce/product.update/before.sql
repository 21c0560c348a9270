-- A product or variation that product.list shows.
SELECT p.post_status AS post_status, p.post_modified AS post_modified
FROM {prefix}posts p
WHERE p.ID = :id
  AND p.post_type IN ('product', 'product_variation')
  AND p.post_status NOT IN ('trash', 'auto-draft')
