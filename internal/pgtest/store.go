package pgtest

// The statements the test clusters run as their superuser (%s: a
// sanitised database name).

// dropDatabase drops a test's database, connections and all.
const dropDatabase = "DROP DATABASE IF EXISTS %s WITH (FORCE)"

// freezeTemplate makes the migrated database the template every test's
// database is cloned from, closed to connections so that cloning works.
const freezeTemplate = "ALTER DATABASE %s WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
