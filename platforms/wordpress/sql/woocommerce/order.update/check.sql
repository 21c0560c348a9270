-- The status asked for, with or without the wc- prefix, is one of
-- WooCommerce's core statuses (order.status.list).
SELECT s.id
FROM (SELECT 'wc-pending' AS id UNION ALL SELECT 'wc-processing' UNION ALL SELECT 'wc-on-hold'
      UNION ALL SELECT 'wc-completed' UNION ALL SELECT 'wc-cancelled' UNION ALL SELECT 'wc-refunded'
      UNION ALL SELECT 'wc-failed' UNION ALL SELECT 'wc-checkout-draft') s
WHERE s.id = CASE WHEN :status LIKE 'wc-%' THEN :status ELSE CONCAT('wc-', :status) END
