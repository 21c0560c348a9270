SELECT os.order_status_id
FROM {prefix}order_status os
WHERE os.order_status_id = :status
LIMIT 1
