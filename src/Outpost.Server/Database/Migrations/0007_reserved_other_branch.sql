-- Reserved for another branch's migration 0007; the lead drops this file at merge.
SELECT 1;
