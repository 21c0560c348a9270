SELECT o.status AS status_id, o.state AS state, o.updated_at AS updated_at
FROM {prefix}sales_order o
WHERE o.entity_id = :id
