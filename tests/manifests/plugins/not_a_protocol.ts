/** A module whose default export is not a protocol, for the manifest tests. @module */
export default 42;
