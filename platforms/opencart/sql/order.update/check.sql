SELECT os.order_status_id
FROM {prefix}order_status os
WHERE CAST(os.order_status_id AS CHAR) = :status
LIMIT 1
