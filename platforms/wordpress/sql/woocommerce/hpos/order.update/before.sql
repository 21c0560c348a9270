SELECT o.status AS status_id, o.date_updated_gmt AS date_updated_gmt
FROM {prefix}wc_orders o
WHERE o.id = :id AND o.type = 'shop_order'
