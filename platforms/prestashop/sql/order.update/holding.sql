-- PrestaShop takes an order's goods from stock when the order is placed and
-- gives them back when it enters the error or canceled state (PS_OS_ERROR,
-- PS_OS_CANCELED; OrderHistory::changeIdOrderState): every other state
-- holds stock.
SELECT os.id_order_state
FROM {prefix}order_state os
WHERE os.id_order_state NOT IN (SELECT CAST(c.value AS UNSIGNED) FROM {prefix}configuration c
                                 WHERE c.name IN ('PS_OS_ERROR', 'PS_OS_CANCELED')
                                   AND c.id_shop IS NULL AND c.id_shop_group IS NULL)
