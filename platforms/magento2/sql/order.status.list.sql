-- Statuses that belong to a state (an order can be in them), with the
-- store view's label, else the status's own.
SELECT os.status AS id,
       COALESCE((SELECT l.label FROM {prefix}sales_order_status_label l
                  WHERE l.status = os.status AND l.store_id = :lang_id), os.label) AS name
FROM {prefix}sales_order_status os
WHERE EXISTS (SELECT 1 FROM {prefix}sales_order_status_state ss WHERE ss.status = os.status)
ORDER BY os.status
