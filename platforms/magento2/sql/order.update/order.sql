-- The status, and the state it belongs to: the order's own state when the
-- status is assigned to it too (fraud is both processing and
-- payment_review), else the state it is the default status of, else any.
-- The admin grid (sales_order_grid) is Magento's copy of the order: it
-- gets the same status and time.
UPDATE {prefix}sales_order
SET state = COALESCE(
        (SELECT ss.state FROM {prefix}sales_order_status_state ss
          WHERE ss.status = :status AND ss.state = {prefix}sales_order.state LIMIT 1),
        (SELECT ss.state FROM {prefix}sales_order_status_state ss
          WHERE ss.status = :status ORDER BY ss.is_default DESC, ss.state LIMIT 1)),
    status = :status,
    updated_at = :now
WHERE entity_id = :id;
UPDATE {prefix}sales_order_grid
SET status = :status, updated_at = :now
WHERE entity_id = :id;
