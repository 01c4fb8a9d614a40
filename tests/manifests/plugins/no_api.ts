/**
 * A protocol table built without `defineProtocol` and without `api`, as a plugin written
 * before the API carried a version would be, for the manifest tests.
 * @module
 */
export const protocol = {
  id: 0x82,
  name: "unversioned",
  versions: [0x10000],
  commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: () => {} } },
};
