-- Every state change is an order_history row; id_employee 0 marks a change
-- made by no back-office employee (as PrestaShop's webservice does).
-- PrestaShop's history keeps no comment, and its notification is the
-- e-mail PrestaShop itself sends: comment and notify are not stored.
INSERT INTO {prefix}order_history (id_employee, id_order, id_order_state, date_add)
VALUES (0, :id, CAST(:status AS UNSIGNED), :now);
