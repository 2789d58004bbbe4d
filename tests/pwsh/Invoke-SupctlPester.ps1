# Runs one Pester suite for ctest: Pester from the build's tools folder, the exit code its failures.
param([Parameter(Mandatory)][string]$Path, [Parameter(Mandatory)][string]$Modules)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $Modules + [System.IO.Path]::PathSeparator + $env:PSModulePath
Import-Module Pester -RequiredVersion 5.7.1
$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.Exit = $true
$configuration.Output.Verbosity = 'Detailed'
Invoke-Pester -Configuration $configuration
