# Lays out the test estate's modules in one folder (what SUPCTL_ESTATE_MODULES names): the stub
# modules generated from the cmdlet reference, the ConfigMgr console's module where
# SMS_ADMIN_UI_PATH\..\ points, the CMSite drive provider, and the estate itself.
param([Parameter(Mandatory)][string]$OutDir, [string]$Reference = '')
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

if (-not $Reference) { $Reference = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '..' '..' '..' '..' 'shared' 'reference' 'cmdlets')) }
if (-not (Test-Path -LiteralPath (Join-Path $Reference 'ConfigurationManager.json'))) {
  throw "the cmdlet reference is not at '$Reference': set SUPCTL_CMDLET_REFERENCE to the folder that holds ConfigurationManager.json"
}
$staging = "$OutDir.new"
Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction SilentlyContinue
$null = New-Item -ItemType Directory -Path $staging
& (Join-Path $PSScriptRoot '..' 'stubs' 'New-SupctlStubModule.ps1') -Reference $Reference -OutDir $staging

# The console's module sits beside its bin folder; Enter-SupctlSite imports it from there.
$console = Join-Path $staging 'AdminConsole'
$null = New-Item -ItemType Directory -Path (Join-Path $console 'bin')
Copy-Item -Path (Join-Path $staging 'ConfigurationManager' '*') -Destination $console
Remove-Item -LiteralPath (Join-Path $staging 'ConfigurationManager') -Recurse -Force

# The CMSite provider, so that New-PSDrive -PSProvider CMSite and Set-Location 'P01:\' behave as on a
# console: a drive whose every path is a container.
Add-Type -OutputAssembly (Join-Path $staging 'SupctlEstate.CMSite.dll') -TypeDefinition @'
using System.Management.Automation;
using System.Management.Automation.Provider;
[CmdletProvider("CMSite", ProviderCapabilities.None)]
public sealed class SupctlEstateCMSiteProvider : NavigationCmdletProvider {
  protected override bool IsValidPath(string path) { return true; }
  protected override bool ItemExists(string path) { return true; }
  protected override bool IsItemContainer(string path) { return true; }
}
'@

Copy-Item -Path (Join-Path $PSScriptRoot 'SupctlEstate') -Destination $staging -Recurse
Copy-Item -LiteralPath (Join-Path $PSScriptRoot 'wsus-api-supplement.json') -Destination $staging
Copy-Item -LiteralPath (Join-Path $Reference 'wsus-api.json') -Destination $staging
Remove-Item -LiteralPath $OutDir -Recurse -Force -ErrorAction SilentlyContinue
Move-Item -LiteralPath $staging -Destination $OutDir
