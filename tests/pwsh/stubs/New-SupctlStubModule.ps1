# Generates the test estate's stub modules (ConfigurationManager, UpdateServices, SupctlWindowsBuiltins) from the cmdlet reference JSON.
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$Reference,
    [Parameter(Mandatory)][string]$OutDir
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$AllSets = '__AllParameterSets'

function New-NameSet([string[]]$Names) {
    , [System.Collections.Generic.HashSet[string]]::new($Names, [System.StringComparer]::Ordinal)
}

# Every key the reference may hold, split into what shapes the stub and what only documents the
# source. Anything else stops the generator: a new key may carry binding behaviour we would lose.
$CmdletKeys = New-NameSet @(
    'default_parameter_set', 'parameter_sets', 'supports_should_process', 'confirm_impact', 'parameters',
    'command_aliases', 'supports_transactions', 'module', 'binding_parameters',
    'supports_should_process_inferred', 'source_line', 'syntax', 'notes', 'output_types', 'source', 'doc_source',
    'providers_in_syntax', 'stub_edit'
)
# ps_type_name is deliberately not rendered: the estate's model hands out plain objects, as the
# hand-edited 1902 stub already does for its schedule and distribution-point-group parameters.
# default is documentation text ('Current user'); the binder never sees a default.
$ParameterKeys = New-NameSet @(
    'name', 'type', 'aliases', 'sets', 'validate', 'allow_null', 'allow_empty_string', 'allow_empty_collection',
    'dynamic', 'supports_wildcards', 'ps_type_name', 'default', 'comments', 'source_line', 'stub_edit',
    'doc_inconsistencies'
)
$SetKeys = New-NameSet @(
    'name', 'mandatory', 'position', 'value_from_pipeline', 'value_from_pipeline_by_property_name',
    'value_from_remaining_arguments', 'implicit'
)
$ValidateKeys = New-NameSet @('set', 'not_null_or_empty', 'not_null', 'range', 'length', 'count', 'pattern')

# Type spellings of the reference that PowerShell 7 on Linux resolves and can convert the values a
# fragment passes into. Matched on the element type (without a trailing []), ignoring case.
$PortableTypes = [System.Collections.Generic.HashSet[string]]::new([string[]]@(
        'string', 'System.String', 'char', 'int', 'System.Int32', 'uint32', 'System.UInt32', 'long', 'System.Int64',
        'bool', 'System.Boolean', 'switch', 'System.Management.Automation.SwitchParameter', 'datetime', 'timespan',
        'guid', 'uri', 'System.Uri', 'version', 'cultureinfo', 'securestring', 'pscredential',
        'System.Management.Automation.PSCredential', 'psobject', 'System.Management.Automation.PSObject', 'hashtable',
        'System.Collections.Hashtable', 'System.Collections.IDictionary', 'System.Object', 'System.IDisposable',
        'System.TimeZoneInfo', 'System.DayOfWeek', 'System.Drawing.Color', 'System.Nullable[bool]',
        'System.Nullable[int]', 'System.Nullable[long]', 'System.Nullable[datetime]',
        'System.Collections.Generic.Dictionary[string,string]', 'System.Collections.Specialized.StringCollection',
        'System.Security.Cryptography.X509Certificates.X509KeyUsageFlags', 'System.ServiceProcess.ServiceStartMode',
        'System.Management.Automation.ScopedItemOptions', 'Microsoft.Win32.RegistryValueKind',
        # a type accelerator in PowerShell 7, although the reference notes that the short name does not resolve
        'X509Certificate'
    ), [System.StringComparer]::OrdinalIgnoreCase)

# Portable types whose spelling in the docs (the bare class name) does not resolve as written.
$RespelledTypes = @{ 'SwitchParameter' = 'switch' }

# Element types a stub declares as [object]: they either do not exist off Windows, exist only as
# shells the estate's model cannot produce (services, CIM instances, WMI objects), or throw
# PlatformNotSupportedException when PowerShell converts a value (SecurityIdentifier from
# 'S-1-5-32-544'), so that a call that binds on Windows binds here too.
$WindowsOnlyTypePatterns = @(
    '^Microsoft\.ConfigurationManagement\.'
    '^Microsoft\.UpdateServices\.'
    '^Microsoft\.PowerShell\.Commands\.Local(Group|Principal)$'
    '^Microsoft\.Management\.Infrastructure\.'
    '^Microsoft\.WSMan\.Management\.'
    '^System\.ServiceProcess\.ServiceController$'
    '^System\.Management\.ManagementBaseObject$'
    '^System\.Security\.Principal\.SecurityIdentifier$'
    '^Feature$'
    # Nullable needs a value type: this is the 1902 stub's rewrite of Nullable[<ConfigMgr enum>]
    '^System\.Nullable\[System\.Object\]$'
    '^System\.Nullable\[Microsoft\.'
)

# Case-sensitive, so that each spelling of a type is kept as the reference writes it.
$StubTypes = [System.Collections.Generic.Dictionary[string, string]]::new()

# Declaring any of these would make PowerShell refuse the whole function.
$CommonParameterNames = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
foreach ($holder in [System.Management.Automation.Internal.CommonParameters], [System.Management.Automation.Internal.ShouldProcessParameters], [System.Management.Automation.Internal.TransactionParameters]) {
    foreach ($property in $holder.GetProperties()) {
        [void]$CommonParameterNames.Add($property.Name)
        foreach ($alias in $property.GetCustomAttributes([System.Management.Automation.AliasAttribute], $false)) {
            foreach ($name in $alias.AliasNames) { [void]$CommonParameterNames.Add($name) }
        }
    }
}

# The characters PowerShell reads as a single quote (see CodeGeneration.EscapeSingleQuotedStringContent),
# each doubled inside a single-quoted string. Applied inline: with 11,673 parameters, PowerShell's
# per-call cost of a quoting function would dominate the run time.
$QuoteCharacters = '[''\u2018\u2019\u201A\u201B]'

# Each value single-quoted, joined by ', '.
function ConvertTo-SingleQuoted([object[]]$Values) {
    "'" + (($Values -replace $QuoteCharacters, '$0$0') -join "', '") + "'"
}

function Assert-Key([System.Collections.IDictionary]$Object, [System.Collections.Generic.HashSet[string]]$Known, [string]$Where) {
    foreach ($key in $Object.Keys) {
        if (-not $Known.Contains($key)) { throw "${Where}: unknown key '$key' in the reference; the generator does not know how to render it." }
    }
}

function Assert-Integer([object[]]$Values, [string]$Where) {
    foreach ($value in $Values) {
        if ($value -isnot [int] -and $value -isnot [long]) { throw "${Where}: expected an integer, got '$value'." }
    }
}

function Resolve-StubType([string]$Type, [string]$Where) {
    $element = $Type -replace '\[\]$', ''
    $suffix = $Type.Substring($element.Length)
    if ($RespelledTypes.ContainsKey($element)) { return $RespelledTypes[$element] + $suffix }
    if ($PortableTypes.Contains($element)) {
        if (-not ($Type -as [type])) { throw "${Where}: type '$Type' is listed as portable but does not resolve in this PowerShell." }
        return $Type
    }
    foreach ($pattern in $WindowsOnlyTypePatterns) {
        if ($element -match $pattern) { return 'object' + $suffix }
    }
    throw "${Where}: unknown type '$Type'; add it to the portable or the Windows-only types of the generator."
}

function Assert-ParameterName([System.Collections.IDictionary]$Cmdlet, [string]$Where) {
    $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($parameter in $Cmdlet['parameters']) {
        if ($parameter['aliases'] -isnot [array]) { throw "$Where -$($parameter['name']): aliases must be a list." }
        foreach ($spelling in @($parameter['name']) + $parameter['aliases']) {
            if ($spelling -cnotmatch '^[A-Za-z_][A-Za-z0-9_]*$') { throw "$Where -$($parameter['name']): '$spelling' is not a plain parameter name or alias." }
            if ($CommonParameterNames.Contains($spelling)) { throw "$Where -$($parameter['name']): '$spelling' collides with a common parameter or its alias." }
            if (-not $seen.Add($spelling)) { throw "$Where -$($parameter['name']): '$spelling' is declared twice." }
        }
        # a parameter variable of that name would hide what the stub's body hands to the model
        if ($parameter['name'] -in 'PSCmdlet', 'PSBoundParameters') { throw "$Where -$($parameter['name']): the name is taken by the stub's body." }
    }
}

function Get-CmdletBindingText([System.Collections.IDictionary]$Cmdlet, [string]$Where) {
    $sets = $Cmdlet['parameter_sets']
    $default = $Cmdlet['default_parameter_set']
    if ($null -ne $default -and $default -cnotin $sets) { throw "${Where}: default set '$default' is not among parameter_sets." }
    $shouldProcess = $Cmdlet['supports_should_process']
    $transactions = $Cmdlet.Contains('supports_transactions') -and $Cmdlet['supports_transactions']
    if ($shouldProcess -isnot [bool]) { throw "${Where}: supports_should_process must be true or false." }
    if ($Cmdlet.Contains('binding_parameters')) {
        $implied = @(if ($shouldProcess) { 'Confirm', 'WhatIf' }) + @(if ($transactions) { 'UseTransaction' })
        if ((([string[]]$Cmdlet['binding_parameters'] | Sort-Object) -join ',') -cne (($implied | Sort-Object) -join ',')) {
            throw "${Where}: binding_parameters '$($Cmdlet['binding_parameters'] -join ',')' disagree with supports_should_process/supports_transactions."
        }
    }
    $binding = @(
        if ($null -ne $default) { 'DefaultParameterSetName = ' + (ConvertTo-SingleQuoted $default) }
        if ($shouldProcess) { 'SupportsShouldProcess = $true' }
        if ($Cmdlet.Contains('confirm_impact') -and $null -ne $Cmdlet['confirm_impact']) {
            if ($Cmdlet['confirm_impact'] -cnotin 'None', 'Low', 'Medium', 'High') { throw "${Where}: unknown confirm_impact '$($Cmdlet['confirm_impact'])'." }
            'ConfirmImpact = ' + (ConvertTo-SingleQuoted $Cmdlet['confirm_impact'])
        }
        # compiled cmdlets have no implicit positions
        'PositionalBinding = $false'
    )
    '[CmdletBinding(' + ($binding -join ', ') + ')]'
}

function Add-StubFunction([System.Text.StringBuilder]$Text, [string]$Name, [System.Collections.IDictionary]$Cmdlet, [string]$Module, [string]$Where) {
    Assert-Key $Cmdlet $CmdletKeys $Where
    if ($Name -cnotmatch '^[A-Za-z]+-[A-Za-z0-9]+$') { throw "${Where}: '$Name' is not a Verb-Noun command name." }
    foreach ($key in 'parameters', 'parameter_sets') {
        if ($Cmdlet[$key] -isnot [array]) { throw "${Where}: $key must be a list." }
    }
    Assert-ParameterName $Cmdlet $Where
    $cmdletSets = $Cmdlet['parameter_sets']
    $usedSets = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::Ordinal)

    [void]$Text.Append('function ').AppendLine($Name).AppendLine('{')
    if ($Cmdlet.Contains('command_aliases')) { [void]$Text.Append('    [Alias(').Append((ConvertTo-SingleQuoted $Cmdlet['command_aliases'])).AppendLine(')]') }
    [void]$Text.Append('    ').AppendLine((Get-CmdletBindingText $Cmdlet $Where)).AppendLine('    param(')

    # The parameters are rendered inline rather than by a function per parameter or per set:
    # PowerShell's per-call cost would otherwise be most of the run time.
    $separator = ''
    foreach ($parameter in $Cmdlet['parameters']) {
        foreach ($key in $parameter.Keys) {
            if (-not $ParameterKeys.Contains($key)) { throw "$Where -$($parameter['name']): unknown key '$key' in the reference; the generator does not know how to render it." }
        }
        [void]$Text.Append($separator)
        $separator = ",`n`n"
        $sets = $parameter['sets']
        if (-not $sets) { throw "$Where -$($parameter['name']): no parameter set entry." }
        # A provider's dynamic parameter is mandatory only on that provider's paths (New-Item
        # -ConnectionURI on WSMan:); a stub has no provider, so it must not demand it everywhere.
        $mandatoryAllowed = -not $parameter.Contains('dynamic')
        foreach ($set in $sets) {
            foreach ($key in $set.Keys) {
                if (-not $SetKeys.Contains($key)) { throw "$Where -$($parameter['name']): unknown key '$key' in a set entry; the generator does not know how to render it." }
            }
            $setName = $set['name']
            if ($setName -cne $AllSets -and $setName -cnotin $cmdletSets) { throw "$Where -$($parameter['name']): set '$setName' is not among the cmdlet's parameter_sets." }
            if ($set['mandatory'] -isnot [bool] -or $set['value_from_pipeline'] -isnot [bool] -or -not $set.Contains('position')) {
                throw "$Where -$($parameter['name']): set '$setName' needs mandatory and value_from_pipeline as true or false, and a position."
            }
            if ($setName -cne $AllSets) { [void]$usedSets.Add($setName) }
            if ($set.Contains('implicit')) {
                # no [Parameter()] in the source: an optional, named-only member of every set
                if ($set['implicit'] -ne $true -or $setName -cne $AllSets -or $set['mandatory'] -or $null -ne $set['position'] -or $set['value_from_pipeline'] -or $sets.Count -ne 1) {
                    throw "$Where -$($parameter['name']): an implicit set entry must be the only one, optional, named-only and for $AllSets."
                }
                continue
            }
            $arguments = @(
                if ($setName -cne $AllSets) { "ParameterSetName = '" + ($setName -replace $QuoteCharacters, '$0$0') + "'" }
                if ($set['mandatory'] -and $mandatoryAllowed) { 'Mandatory = $true' }
                if ($null -ne $set['position']) {
                    Assert-Integer $set['position'] "$Where -$($parameter['name'])"
                    'Position = ' + $set['position']
                }
                if ($set['value_from_pipeline']) { 'ValueFromPipeline = $true' }
                if ($set.Contains('value_from_pipeline_by_property_name') -and $set['value_from_pipeline_by_property_name']) { 'ValueFromPipelineByPropertyName = $true' }
                if ($set.Contains('value_from_remaining_arguments') -and $set['value_from_remaining_arguments']) { 'ValueFromRemainingArguments = $true' }
            )
            [void]$Text.Append('        [Parameter(').Append($arguments -join ', ').AppendLine(')]')
        }
        if ($parameter['aliases'].Count) { [void]$Text.Append("        [Alias('").Append(($parameter['aliases'] -replace $QuoteCharacters, '$0$0') -join "', '").AppendLine("')]") }
        if ($parameter.Contains('supports_wildcards') -and $parameter['supports_wildcards']) { [void]$Text.AppendLine('        [SupportsWildcards()]') }
        if ($parameter.Contains('validate')) {
            $validate = $parameter['validate']
            Assert-Key $validate $ValidateKeys "$Where -$($parameter['name']), validate"
            if ($validate.Contains('set')) { [void]$Text.Append('        [ValidateSet(').Append((ConvertTo-SingleQuoted $validate['set'])).AppendLine(')]') }
            if ($validate.Contains('not_null_or_empty') -and $validate['not_null_or_empty']) { [void]$Text.AppendLine('        [ValidateNotNullOrEmpty()]') }
            if ($validate.Contains('not_null') -and $validate['not_null']) { [void]$Text.AppendLine('        [ValidateNotNull()]') }
            foreach ($bounds in @('range', 'ValidateRange'), @('length', 'ValidateLength'), @('count', 'ValidateCount')) {
                if (-not $validate.Contains($bounds[0])) { continue }
                $pair = $validate[$bounds[0]]
                if ($pair.Count -ne 2) { throw "$Where -$($parameter['name']): validate.$($bounds[0]) needs [min, max]." }
                Assert-Integer $pair "$Where -$($parameter['name'])"
                [void]$Text.Append('        [').Append($bounds[1]).Append('(').Append($pair[0]).Append(', ').Append($pair[1]).AppendLine(')]')
            }
            if ($validate.Contains('pattern')) { [void]$Text.Append('        [ValidatePattern(').Append((ConvertTo-SingleQuoted $validate['pattern'])).AppendLine(')]') }
        }
        if ($parameter.Contains('allow_null') -and $parameter['allow_null']) { [void]$Text.AppendLine('        [AllowNull()]') }
        if ($parameter.Contains('allow_empty_string') -and $parameter['allow_empty_string']) { [void]$Text.AppendLine('        [AllowEmptyString()]') }
        if ($parameter.Contains('allow_empty_collection') -and $parameter['allow_empty_collection']) { [void]$Text.AppendLine('        [AllowEmptyCollection()]') }
        $type = $parameter['type']
        # A type changed by hand after the stub was generated from the real module (ProxyCommand) is
        # taken as generated: the hand edit made the stub easier to call, the real cmdlet did not change.
        if ($parameter.Contains('stub_edit') -and $parameter['stub_edit']['kind'] -eq 'parameter_changed_after_generation' -and
            $parameter['stub_edit'].Contains('generated') -and $parameter['stub_edit']['generated'].Contains('type')) {
            $type = $parameter['stub_edit']['generated']['type']
        }
        $stubType = $null
        if (-not $StubTypes.TryGetValue($type, [ref]$stubType)) {
            $stubType = Resolve-StubType $type "$Where -$($parameter['name'])"
            $StubTypes[$type] = $stubType
        }
        [void]$Text.Append('        [').Append($stubType).Append('] ${').Append($parameter['name']).Append('}')
    }
    # A stub has exactly the sets its parameters name, plus the default set; it cannot declare a set otherwise.
    if ($null -ne $Cmdlet['default_parameter_set']) { [void]$usedSets.Add($Cmdlet['default_parameter_set']) }
    if ($usedSets.Count -eq 0) { [void]$usedSets.Add($AllSets) }
    if ($usedSets.Count -ne $cmdletSets.Count -or -not $usedSets.SetEquals([string[]]$cmdletSets)) {
        throw "${Where}: parameter_sets lists $($cmdletSets -join ', ') but the parameters and the default set make $(@($usedSets) -join ', ')."
    }
    if ($Cmdlet.Contains('supports_transactions') -and $Cmdlet['supports_transactions']) {
        # Windows PowerShell 5.1 has -UseTransaction; PowerShell 7 no longer adds it
        [void]$Text.Append($separator).Append('        [switch] ${UseTransaction}')
        $separator = ",`n`n"
    }
    if ($separator) { [void]$Text.AppendLine() }
    [void]$Text.AppendLine('    )')
    [void]$Text.Append('    process { Invoke-SupctlEstateCmdlet -Module ').Append((ConvertTo-SingleQuoted $Module)).Append(' -Name ').Append((ConvertTo-SingleQuoted $Name))
    [void]$Text.AppendLine(' -ParameterSetName $PSCmdlet.ParameterSetName -Bound $PSBoundParameters }').AppendLine('}')
}

function Get-ManifestList([string[]]$Names) {
    if (-not $Names) { return '@()' }
    "@(`n        '" + (($Names -replace $QuoteCharacters, '$0$0') -join "'`n        '") + "'`n    )"
}

function Write-GeneratedFile([string]$Path, [string]$Content) {
    # LF and UTF-8 without BOM, so that every platform generates the same bytes
    [System.IO.File]::WriteAllText($Path, $Content.Replace("`r`n", "`n"), [System.Text.UTF8Encoding]::new($false))
}

function Assert-CommandAlias([System.Collections.IDictionary]$Document, [string[]]$Aliases, [string]$JsonFile) {
    $cmdlets = $Document['cmdlets']
    foreach ($alias in $Aliases) {
        if ($alias -cnotmatch '^[A-Za-z]+-[A-Za-z0-9]+$') { throw "${JsonFile}: command alias '$alias' is not a Verb-Noun command name." }
        if ($cmdlets.Contains($alias)) { throw "${JsonFile}: command alias '$alias' is also a cmdlet." }
    }
    if (-not $Document.Contains('command_aliases')) { return }
    $listed = $Document['command_aliases']
    foreach ($alias in $listed.Keys) {
        $target = $listed[$alias]
        if (-not $cmdlets.Contains($target) -or -not $cmdlets[$target].Contains('command_aliases') -or $alias -cnotin $cmdlets[$target]['command_aliases']) {
            throw "${JsonFile}: command alias '$alias' -> '$target' is not on the cmdlet."
        }
    }
    if ($listed.Count -ne $Aliases.Count) { throw "${JsonFile}: $($listed.Count) command_aliases at the top, $($Aliases.Count) on the cmdlets." }
}

function Export-StubModule([string]$JsonFile, [string]$ModuleName) {
    $document = [System.IO.File]::ReadAllText((Join-Path $Reference $JsonFile)) | ConvertFrom-Json -AsHashtable
    # Only these top-level keys matter; the others (stub_notes, current_docs_comparison, ...) document the source.
    foreach ($key in 'cmdlets', 'counts') {
        if ($document[$key] -isnot [System.Collections.IDictionary]) { throw "${JsonFile}: '$key' is missing or not an object." }
    }
    $cmdlets = $document['cmdlets']
    $parameterCount = 0
    $aliases = [System.Collections.Generic.List[string]]::new()
    foreach ($cmdlet in $cmdlets.Values) {
        $parameterCount += $cmdlet['parameters'].Count
        if ($cmdlet.Contains('command_aliases')) { $aliases.AddRange([string[]]$cmdlet['command_aliases']) }
    }
    # the counts catch a truncated or hand-merged file
    if ($cmdlets.Count -ne $document['counts']['cmdlets'] -or $parameterCount -ne $document['counts']['parameters']) {
        throw "${JsonFile}: counts say $($document['counts']['cmdlets']) cmdlets and $($document['counts']['parameters']) parameters, the file has $($cmdlets.Count) and $parameterCount."
    }
    Assert-CommandAlias $document $aliases.ToArray() $JsonFile

    $text = [System.Text.StringBuilder]::new(4MB)
    [void]$text.AppendLine("# Stubs generated by tests/pwsh/stubs/New-SupctlStubModule.ps1 from $JsonFile; do not edit.")
    foreach ($name in $cmdlets.Keys) {
        $cmdlet = $cmdlets[$name]
        # the built-ins come from several real modules; the model is told which one
        $realModule = if ($cmdlet.Contains('module')) { $cmdlet['module'] } elseif ($document.Contains('module')) { $document['module'] }
        if (-not $realModule) { throw "$JsonFile ${name}: no module named for the cmdlet or the file." }
        [void]$text.AppendLine()
        Add-StubFunction $text $name $cmdlet $realModule "$JsonFile $name"
    }

    # the built-ins belong to several real modules, so their file has no version of its own
    $version = if ($document.Contains('version')) { $document['version'] } else { '1.0' }
    $manifest = @"
# Manifest of the test estate's $ModuleName stubs, generated by tests/pwsh/stubs/New-SupctlStubModule.ps1 from $JsonFile; do not edit.
@{
    RootModule = '$ModuleName.psm1'
    ModuleVersion = $(ConvertTo-SingleQuoted $version)
    Description = 'Stubs of $ModuleName for the supctl test estate; every call goes to Invoke-SupctlEstateCmdlet.'
    FunctionsToExport = $(Get-ManifestList ([string[]]$cmdlets.Keys))
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = $(Get-ManifestList $aliases.ToArray())
}

"@
    $moduleDir = Join-Path $OutDir $ModuleName
    [void][System.IO.Directory]::CreateDirectory($moduleDir)
    Write-GeneratedFile (Join-Path $moduleDir "$ModuleName.psm1") $text.ToString()
    Write-GeneratedFile (Join-Path $moduleDir "$ModuleName.psd1") $manifest
}

Export-StubModule 'ConfigurationManager.json' 'ConfigurationManager'
Export-StubModule 'UpdateServices.json' 'UpdateServices'
Export-StubModule 'windows-builtin.json' 'SupctlWindowsBuiltins'
