# configmgr: what the ConfigMgr fragments share, defined once in a script that runs any of them.

# The SMS Provider this server is for: {SiteCode, Machine} from root\sms; an error when it is none.
function Get-SupctlProvider {
  $location = Get-CimInstance -Namespace 'root\sms' -ClassName SMS_ProviderLocation -ErrorAction Stop |
    Where-Object { $_.ProviderForLocalSite } | Select-Object -First 1
  if ($null -eq $location -or -not $location.SiteCode) {
    throw ('{0} is not an SMS Provider: no local site found in root\sms' -f $env:COMPUTERNAME)
  }
  return $location
}

# Loads the ConfigurationManager module, makes the drive of this SMS Provider's own site when the session
# has none (a remote session under an account that never opened the console starts without it), and goes to
# it. $code is the site the caller works on: this provider's own, or a secondary site below it, which has no
# SMS Provider of its own and is reached through its parent's with -SiteCode in every cmdlet. Returns the
# location to go back to.
function Enter-SupctlSite([string]$code) {
  if ($null -eq (Get-Module -Name ConfigurationManager)) {
    if (-not $env:SMS_ADMIN_UI_PATH) {
      $why = 'the Configuration Manager console is not installed on {0} (SMS_ADMIN_UI_PATH is not set): supctl uses its ' +
             'ConfigurationManager module; install the console on the site server'
      throw ($why -f $env:COMPUTERNAME)
    }
    Import-Module "$($env:SMS_ADMIN_UI_PATH)\..\ConfigurationManager.psd1" -Global -ErrorAction Stop
  }
  $provider = Get-SupctlProvider
  $local = [string]$provider.SiteCode
  if ($null -eq (Get-PSDrive -Name $local -PSProvider CMSite -ErrorAction SilentlyContinue)) {
    New-PSDrive -Name $local -PSProvider CMSite -Root ([string]$provider.Machine) -Scope Global -ErrorAction Stop | Out-Null
  }
  $previous = Get-Location
  Set-Location "$($local):\"
  if ($code -and $code -ne $local) {
    # Only a secondary site below this provider's own is reached from here.
    $site = Get-CMSite -SiteCode $code
    if ($null -eq $site -or [int]$site.Type -ne 1 -or [string]$site.ReportingSiteCode -ne $local) {
      Set-Location $previous
      $why = '{0} is the SMS Provider of site {1}, which does not answer for site {2}: supctl reaches a site through its own SMS ' +
             'Provider (a secondary site through its parent primary''s); check the site''s server and provider in the manifests'
      throw ($why -f $env:COMPUTERNAME, $local, $code)
    }
  }
  return $previous
}

# A property of an embedded property list ($object.Props of SMS_SCI_* and component objects) by
# name: its `field` (Value, Value1, Value2), or the whole property without one; $null when missing.
function Get-SupctlProp($object, [string]$name, [string]$field = '') {
  $prop = @($object.Props) | Where-Object { $_.PropertyName -eq $name } | Select-Object -First 1
  if ($null -eq $prop) { return $null }
  if (-not $field) { return $prop }
  return $prop.$field
}
