# configmgr.set_account {user, site?, password} -> {}: New-CMAccount when the account is missing.
# The password is never read back; an existing account is kept as it is.
Import-Module "$($env:SMS_ADMIN_UI_PATH)\..\ConfigurationManager.psd1" -ErrorAction Stop
$local = (Get-WmiObject -Namespace 'root\sms' -Class SMS_ProviderLocation | Where-Object { $_.ProviderForLocalSite } | Select-Object -First 1).SiteCode
if (-not $local) { throw 'this server is not an SMS Provider: no local site found in root\sms' }
$site = $local
if ($p.site) { $site = ([string]$p.site).ToUpperInvariant() }
$previous = Get-Location
Set-Location "$($site):\"
try {
  $user = [string]$p.user
  if ($null -eq (Get-CMAccount -UserName $user | Select-Object -First 1)) {
    $secure = ConvertTo-SecureString -String ([string]$p.password) -AsPlainText -Force
    New-CMAccount -UserName $user -Password $secure -SiteCode $site | Out-Null
  }
} finally {
  Set-Location $previous
}
return @{}
