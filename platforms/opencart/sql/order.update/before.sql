SELECT o.order_status_id AS status_id, o.date_modified AS date_modified
FROM `{prefix}order` o
WHERE o.order_id = :id
