/** The two storage back ends. Everything outside store/sqlite and store/postgres is dialect-agnostic. */
export type Dialect = 'sqlite' | 'postgres'
