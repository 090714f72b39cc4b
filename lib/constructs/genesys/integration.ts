// The genesyscloud provider bindings live in lib/providers/genesyscloud; this module keeps their old import path.
export * from "../../providers/genesyscloud/integration";
