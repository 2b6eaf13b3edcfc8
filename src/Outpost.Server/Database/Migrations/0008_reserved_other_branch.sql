-- Reserved for another branch's migration 0008; the lead drops this file at merge.
SELECT 1;
