SELECT os.id_order_state
FROM {prefix}order_state os
WHERE CAST(os.id_order_state AS CHAR) = :status AND os.deleted = 0
LIMIT 1
