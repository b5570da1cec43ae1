"""The web dashboard under `/dashboard`: server-rendered HTML pages over the insights data, for instructors and
admins, signed in with a credential holding the `analytics` scope (store pages: `admin`)."""
