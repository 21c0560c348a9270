-- The state is current_state; date_upd moves with it, and `valid` follows
-- the new state's logable flag (an order counts as validated in logable
-- states), as OrderHistory::changeIdOrderState keeps them.
UPDATE {prefix}orders o
JOIN {prefix}order_state os ON CAST(os.id_order_state AS CHAR) = :status
SET o.current_state = os.id_order_state, o.valid = os.logable, o.date_upd = :now
WHERE o.id_order = :id;
