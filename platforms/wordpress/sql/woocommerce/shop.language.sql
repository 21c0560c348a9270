-- One language per WordPress site: lang_id 1.
SELECT 1 AS lang_id FROM {prefix}options o WHERE :id = 1 AND o.option_name = 'siteurl'
