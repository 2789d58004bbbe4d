# wsus.install {content_dir, database} -> {}: installs the WSUS features (WID or SQL Server database),
# then runs wsusutil postinstall. database is 'wid' or a SQL Server ('SQL01' or 'SQL01\WSUS').
$contentDir = [string]$p.content_dir
$database = [string]$p.database
if ($contentDir -eq '') { throw 'wsus.install: the parameter ''content_dir'' is missing or not a non-empty string' }
if ($database -eq '') { throw 'wsus.install: the parameter ''database'' is missing or not a non-empty string' }
$databaseFeature = 'UpdateServices-DB'
if ($database -eq 'wid') { $databaseFeature = 'UpdateServices-WidDB' }
$installed = Install-WindowsFeature -Name @('UpdateServices-Services', $databaseFeature, 'UpdateServices-API', 'UpdateServices-UI') -ErrorAction Stop
if (-not $installed.Success) {
  throw ("Install-WindowsFeature did not install WSUS on '{0}' (exit code {1})" -f $env:COMPUTERNAME, $installed.ExitCode)
}
# Arguments travel as an array: PowerShell quotes each one that holds spaces.
$arguments = @('postinstall', ('CONTENT_DIR=' + $contentDir))
if ($database -ne 'wid') { $arguments += ('SQL_INSTANCE_NAME=' + $database) }
$wsusutil = Join-Path $env:ProgramFiles 'Update Services\Tools\WsusUtil.exe'
$run = Invoke-SupctlNative $wsusutil $arguments
if ($run.ExitCode -ne 0) {
  throw ("wsusutil postinstall failed on '{0}' (exit code {1}); see %TEMP%\WSUS_PostInstall_*.log: {2}" -f $env:COMPUTERNAME, $run.ExitCode, ($run.Output -join ' '))
}
return @{}
