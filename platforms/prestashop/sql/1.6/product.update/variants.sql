-- Runs after product.update/product, in the same transaction and session
-- (its @cb_ variables name the stock row it wrote). PrestaShop's
-- combinations need no follow-up of their own (a combination's price is
-- an impact on the product's, its status the product's), so this step
-- keeps what a schema generation stores beside the stock row: 1.6 still
-- reads a combination's legacy quantity copy.
UPDATE {prefix}product_attribute
SET quantity = :quantity
WHERE :quantity IS NOT NULL AND @cb_attribute > 0 AND id_product_attribute = @cb_attribute;
