-- A status an order can be in: it is assigned to a state.
SELECT ss.status
FROM {prefix}sales_order_status_state ss
WHERE ss.status = :status
LIMIT 1
