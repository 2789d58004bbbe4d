# service.set {name, startup?, state?, timeout_seconds} -> {}: sets the startup type, then starts or
# stops the service and waits up to timeout_seconds for the state. It never installs a service.
$name = [string]$p.name
$timeout = 60
if ($null -ne $p.timeout_seconds) { $timeout = [int]$p.timeout_seconds }
$filter = "Name='{0}'" -f $name.Replace('\', '\\').Replace("'", "\'")
$service = Get-CimInstance -ClassName Win32_Service -Filter $filter -ErrorAction Stop
if ($null -eq $service) { throw ("the service '{0}' does not exist on '{1}'" -f $name, $env:COMPUTERNAME) }
$name = [string]$service.Name

if ($null -ne $p.startup) {
  $delayedKey = 'SYSTEM\CurrentControlSet\Services\' + $name
  switch -CaseSensitive ([string]$p.startup) {
    'automatic' {
      Set-Service -Name $name -StartupType Automatic -ErrorAction Stop
      # Set-Service leaves a delayed start delayed; sc.exe clears the flag.
      $base = Open-SupctlRegistryBaseKey LocalMachine
      try {
        $key = $base.OpenSubKey($delayedKey, $false)
        $delayed = $false
        if ($null -ne $key) { $delayed = $key.GetValue('DelayedAutostart', 0) -eq 1; $key.Close() }
      } finally {
        $base.Close()
      }
      if ($delayed) {
        $run = Invoke-SupctlNative 'sc.exe' @('config', $name, 'start=', 'auto')
        if ($run.ExitCode -ne 0) { throw ("sc.exe config '{0}' start= auto failed ({1}): {2}" -f $name, $run.ExitCode, ($run.Output -join ' ')) }
      }
    }
    'delayed' {
      $run = Invoke-SupctlNative 'sc.exe' @('config', $name, 'start=', 'delayed-auto')
      if ($run.ExitCode -ne 0) { throw ("sc.exe config '{0}' start= delayed-auto failed ({1}): {2}" -f $name, $run.ExitCode, ($run.Output -join ' ')) }
    }
    'manual' { Set-Service -Name $name -StartupType Manual -ErrorAction Stop }
    'disabled' { Set-Service -Name $name -StartupType Disabled -ErrorAction Stop }
    default { throw ("service.set: 'startup' must be one of automatic, delayed, manual, disabled; found '{0}'" -f $p.startup) }
  }
}

if ($null -ne $p.state) {
  $controller = Get-SupctlService $name
  $wait = [TimeSpan]::FromSeconds($timeout)
  switch -CaseSensitive ([string]$p.state) {
    'running' {
      if ($controller.Status -ne [System.ServiceProcess.ServiceControllerStatus]::Running) {
        $mode = (Get-CimInstance -ClassName Win32_Service -Filter $filter -ErrorAction Stop).StartMode
        if ($mode -eq 'Disabled') {
          throw ("cannot start the service '{0}' on '{1}': the service cannot be started, either because it is disabled or because it has no enabled devices associated with it" -f $name, $env:COMPUTERNAME)
        }
        Start-Service -InputObject $controller -ErrorAction Stop
      }
      try {
        $controller.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Running, $wait)
      } catch {
        throw ("the service '{0}' on '{1}' did not reach the state 'running' within {2} seconds: {3}" -f $name, $env:COMPUTERNAME, $timeout, $_.Exception.Message)
      }
    }
    'stopped' {
      if ($controller.Status -ne [System.ServiceProcess.ServiceControllerStatus]::Stopped) {
        $running = @($controller.DependentServices | Where-Object { $_.Status -ne [System.ServiceProcess.ServiceControllerStatus]::Stopped } | ForEach-Object { "'" + $_.ServiceName + "'" })
        if ($running.Count -gt 0) {
          throw ("cannot stop the service '{0}' on '{1}' because the running services {2} depend on it" -f $name, $env:COMPUTERNAME, ($running -join ', '))
        }
        Stop-Service -InputObject $controller -ErrorAction Stop
      }
      try {
        $controller.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Stopped, $wait)
      } catch {
        throw ("the service '{0}' on '{1}' did not reach the state 'stopped' within {2} seconds: {3}" -f $name, $env:COMPUTERNAME, $timeout, $_.Exception.Message)
      }
    }
    default { throw ("service.set: 'state' must be running or stopped; found '{0}'" -f $p.state) }
  }
}
return @{}
