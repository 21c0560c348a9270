UPDATE `{prefix}order`
SET order_status_id = :status, date_modified = :now
WHERE order_id = :id
