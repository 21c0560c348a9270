-- One store per WordPress site: store 0 (a multisite blog is its own shop,
-- chosen by the table prefix in the bridge's config.toml).
SELECT 0 AS store_id FROM {prefix}options o WHERE :id = 0 AND o.option_name = 'siteurl'
