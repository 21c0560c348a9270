SELECT p.post_status AS status_id, p.post_modified AS post_modified
FROM {prefix}posts p
WHERE p.ID = :id AND p.post_type = 'shop_order'
