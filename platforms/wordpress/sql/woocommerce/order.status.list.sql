-- WooCommerce's core order statuses (wc_get_order_statuses()): defined in
-- its code, not in a table, with their English labels.
SELECT 'wc-pending' AS id, 'Pending payment' AS name
UNION ALL SELECT 'wc-processing', 'Processing'
UNION ALL SELECT 'wc-on-hold', 'On hold'
UNION ALL SELECT 'wc-completed', 'Completed'
UNION ALL SELECT 'wc-cancelled', 'Cancelled'
UNION ALL SELECT 'wc-refunded', 'Refunded'
UNION ALL SELECT 'wc-failed', 'Failed'
UNION ALL SELECT 'wc-checkout-draft', 'Draft'
