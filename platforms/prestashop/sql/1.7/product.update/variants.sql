-- Runs after product.update/product, in the same transaction and session
-- (its @cb_ variables name the stock rows it wrote). PrestaShop's
-- combinations need no follow-up of their own (a combination's price is
-- an impact on the product's, its status the product's), so this step
-- keeps what a schema generation stores beside the stock row: 1.7+ counts
-- the physical stock as the available quantity plus what orders reserve.
UPDATE {prefix}stock_available
SET physical_quantity = quantity + reserved_quantity
WHERE :quantity IS NOT NULL AND id_product = @cb_product
  AND id_product_attribute IN (0, @cb_attribute)
  AND id_shop = @cb_stock_shop AND id_shop_group = @cb_stock_group;
