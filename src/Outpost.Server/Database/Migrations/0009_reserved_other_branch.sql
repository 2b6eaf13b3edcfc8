-- Reserved for another branch's migration 0009; the lead drops this file at merge.
SELECT 1;
