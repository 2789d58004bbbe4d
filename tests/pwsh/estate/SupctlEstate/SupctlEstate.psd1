@{
  RootModule = 'SupctlEstate.psm1'
  ModuleVersion = '1.0.0'
  GUID = '5d0c2f4e-0b7a-4f0e-9d59-3c1b8f0a7e21'
  Description = 'The test estate: a model of the Windows servers, ConfigMgr and WSUS behind the generated stub cmdlets.'
  NestedModules = @('../SupctlEstate.CMSite.dll')
  FunctionsToExport = '*'
}
