UPDATE `{prefix}order`
SET order_status_id = :old_status_id, date_modified = :old_date_modified
WHERE order_id = :id
