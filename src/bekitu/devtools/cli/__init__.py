"""The development sub-commands of `bekitu eds` (registered in `DevtoolsConfig.ready`)."""
