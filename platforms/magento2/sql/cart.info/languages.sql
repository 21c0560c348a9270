-- Magento has no language table: each store view is a language (the
-- lang_id other methods take), its code the locale set for it
-- (general/locale/code at store, website, else default scope).
SELECT s.store_id AS id,
       COALESCE((SELECT c.value FROM {prefix}core_config_data c
                  WHERE c.path = 'general/locale/code' AND c.scope = 'stores' AND c.scope_id = s.store_id),
                (SELECT c.value FROM {prefix}core_config_data c
                  WHERE c.path = 'general/locale/code' AND c.scope = 'websites' AND c.scope_id = s.website_id),
                (SELECT c.value FROM {prefix}core_config_data c
                  WHERE c.path = 'general/locale/code' AND c.scope = 'default' AND c.scope_id = 0),
                'en_US') AS code,
       s.name AS name,
       s.is_active AS status
FROM {prefix}store s
WHERE s.store_id > 0
ORDER BY s.sort_order, s.store_id
